export { cleanTempFiles } from "./clean-temp-files.js";
export {
  deliverFromOriginal,
  type FalImageClaims,
  keepImage,
  originalFile,
  renderKept,
} from "./deliver-image.js";

export { checkFile, sha256File, stampOf } from "./file-check.js";

export { renderOutput } from "./render-output.js";
export { deliveryOfRecipe, recipeOf } from "./render-recipe.js";
export { contactSheet, galleryThumbPath, makeGalleryThumbs } from "./review-images.js";
export { refreshSidecar, sidecarPath } from "./sidecar.js";
export { thumbnailBytes } from "./thumbnail.js";
export {
  pruneRuns,
  readReportJobs,
  writeReportFile,
  writeRunReports,
} from "./write-report.js";
