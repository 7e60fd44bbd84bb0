export { cleanTempFiles } from "./clean-temp-files.js";
export {
  type Delivery,
  deliverFromOriginal,
  deliverImage,
  type FalImageClaims,
  originalFile,
} from "./deliver-image.js";
export { type DownloadOptions, downloadFile } from "./download.js";
export { checkFile, type FileCheck, sha256File, stampOf } from "./file-check.js";
export { type ImageInfo, inspectImage, probeImage } from "./image-codec.js";
export { renderOutput } from "./render-output.js";
export { contactSheet, galleryThumbPath, makeGalleryThumbs } from "./review-images.js";
export { refreshSidecar, sidecarPath, sidecarText } from "./sidecar.js";
export { thumbnailBytes } from "./thumbnail.js";
export { writeFileSafely } from "./write-file.js";
export {
  pruneRuns,
  readReportJobs,
  touchedByRun,
  writeReportFile,
  writeRunReports,
} from "./write-report.js";
