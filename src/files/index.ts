export { makeFolder } from "./folders.js";
export { linkRefused } from "./link-refused.js";
export { openAppendSync, openFile, readBytes, readTextFile } from "./open-file.js";
export { writeAllSync, writeFileAtomic } from "./write-file.js";
