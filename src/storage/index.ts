export {
  describeIoError,
  fsyncDirectory,
  removeStaleTempFiles,
  replaceFileAtomically,
} from "./atomic-write.js";
export { assertPrivate, DEFAULT_HOME, ensurePrivateDirectory, resolveHome } from "./data-home.js";
export { closeFileLocks, type FileLockOptions, withFileLock } from "./file-lock.js";
