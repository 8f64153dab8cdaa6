import { defineErrors } from '../../kernel/error-registry.js';

export const filesErrors = defineErrors('Files', {
  'request.malformed_multipart': {
    status: 400,
    meaning: 'The upload is not a readable multipart/form-data body; `detail` says where it broke.',
  },
  'files.empty': {
    status: 400,
    meaning: 'The uploaded file has no bytes.',
  },
  'files.never_public': {
    status: 400,
    meaning: 'Files of this purpose (imports) are never public: upload it as private (field `visibility`).',
  },
  'files.publish_forbidden': {
    status: 403,
    meaning:
      'Only staff holding the permission named in `permission` may upload a public file of this purpose: upload it as private.',
  },
  'files.invalid_link': {
    status: 403,
    meaning: 'The signed file link is not one this server issued (or was altered).',
  },
  'files.link_expired': {
    status: 403,
    meaning: 'The signed file link has expired: ask for a new one.',
  },
  'files.not_found': {
    status: 404,
    meaning: "No such file: unknown, deleted, another tenant's, or not visible to the caller.",
  },
  'files.variant_not_found': {
    status: 404,
    meaning: 'The image has no variant of this size (yet: variants are made in the background after upload).',
  },
  'files.not_an_image': {
    status: 409,
    meaning: 'The file is not an image, or could not be processed as one (upload it again).',
  },
  'files.too_large': {
    status: 413,
    meaning: 'The file is larger than its purpose allows; `maxBytes` says the limit.',
  },
  'files.unsupported_type': {
    status: 415,
    meaning: "The file's contents (never its name or declared type) are not a type its purpose accepts.",
  },
  'files.invalid_image': {
    status: 422,
    meaning: 'The image cannot be read; it may be damaged.',
  },
  'files.image_too_large': {
    status: 422,
    meaning:
      'The image has more pixels than are accepted; `width`, `height` and `maxPixels` say by how much.',
  },
  'files.storage_unavailable': {
    status: 503,
    meaning: 'File storage cannot be reached: try again shortly.',
  },
});
