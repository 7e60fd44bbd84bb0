export { cleanTempFiles } from "./clean-temp-files.js";
export { displayUrl } from "./display-url.js";
export { type DownloadOptions, downloadFile } from "./download.js";
export { type ImageInfo, inspectImage, probeImage } from "./image-codec.js";
export { type SavedImage, saveResultImage } from "./save-result-image.js";
export { writeFileSafely } from "./write-file.js";
