// The media library: GET /media (grid + upload form), POST /media (multipart field `file`, alt text
// required), GET|POST /media/:id (details, alt text), GET|POST /media/:id/delete (confirmation when the
// image is in use). Authors see and manage their own images; editors and admins everyone's.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { currentUser, requireCan } from '../site/guards.js';
import { wantsJson } from '../http/negotiation.js';
import { form, idParams, inputOf, objectId, paramsOf, queryOf, requiredText, validate, validateParams, validateQuery } from '../http/validate.js';
import { getMediaDetail, listMedia } from './media-library.js';
import { deleteMedia, findManageable, markdownFor, updateAlt, uploadMedia } from './media.service.js';
import { toImageView } from './image-view.js';
import { contentUsing, usageSummary, type ContentRef } from './media-usage.js';
import type { MediaDoc } from './media.model.js';
import { acceptUpload } from '../http/upload.js';

// One line of text: it ends up in alt attributes and Markdown image syntax.
const altText = requiredText(300, 'Alt text').transform((v) => v.replace(/\s+/g, ' '));
const uploadForm = z.object({ alt: altText });
const altForm = z.object({ alt: altText });
const deleteForm = z.object({ confirm: z.string().optional() });
const libraryQuery = z.object({ before: objectId.optional().catch(undefined) });

export function mediaRouter({ config, storage }: RouterDeps): Router {
  const router = Router();
  const guard = requireCan('media:upload');
  const id = validateParams(idParams);

  router.get('/media', guard, validateQuery(libraryQuery), libraryPage);
  router.post(
    '/media',
    guard,
    validateQuery(libraryQuery),
    form('media/index', libraryLocals),
    ...acceptUpload('file', { maxBytes: config.maxUploadBytes, maxFiles: 1 }),
    validate(uploadForm),
    upload,
  );
  router.get('/media/:id', guard, id, detailPage);
  router.post('/media/:id', guard, id, form('media/show', detailLocals), validate(altForm), saveAlt);
  router.get('/media/:id/delete', guard, id, askToDelete);
  router.post('/media/:id/delete', guard, id, validate(deleteForm), deleteFromForm);
  return router;

  async function libraryLocals(req: Request, res: Response) {
    return {
      title: 'Media library',
      noindex: true,
      library: await listMedia(currentUser(req), storage, { before: queryOf(libraryQuery, res).before }),
      maxUploadBytes: config.maxUploadBytes,
    };
  }

  async function libraryPage(req: Request, res: Response) {
    res.render('media/index', await libraryLocals(req, res));
  }

  async function upload(req: Request, res: Response) {
    const { alt } = inputOf(uploadForm, res);
    const file = req.file!;
    const media = await uploadMedia(currentUser(req), { buffer: file.buffer, originalname: file.originalname }, alt, storage);
    res.flash('success', `Uploaded “${media.filename}”.`);
    if (wantsJson(req)) {
      // The editor inserts `markdown` at the cursor (public/js/editor/images.js).
      const markdown = markdownFor(media.alt, toImageView(media, (key) => storage.url(key)));
      res.status(201).location(`/media/${String(media._id)}`).json({ id: String(media._id), redirect: '/media', markdown });
      return;
    }
    res.redirect(303, '/media');
  }

  async function detailLocals(req: Request, res: Response) {
    const media = await getMediaDetail(currentUser(req), paramsOf(idParams, res).id, storage);
    return { title: media.filename, noindex: true, media };
  }

  async function detailPage(req: Request, res: Response) {
    res.render('media/show', await detailLocals(req, res));
  }

  async function deleteFromForm(req: Request, res: Response) {
    const outcome = await deleteMedia(currentUser(req), paramsOf(idParams, res).id, storage, {
      confirmed: inputOf(deleteForm, res).confirm === 'yes',
      ip: req.ip,
    });
    // In use and not confirmed: nothing was deleted; the page that asks, as a 409.
    if (!outcome.deleted) return confirmationPage(res, outcome.media, outcome.usedIn, 409);
    res.flash('success', `Deleted “${outcome.filename}” and all its sizes.`);
    res.redirect(303, '/media');
  }
}

async function saveAlt(req: Request, res: Response) {
  const { id } = paramsOf(idParams, res);
  await updateAlt(currentUser(req), id, inputOf(altForm, res).alt);
  res.flash('success', 'Alt text saved.');
  res.redirect(303, `/media/${encodeURIComponent(id)}`);
}

async function askToDelete(req: Request, res: Response) {
  const media = await findManageable(currentUser(req), paramsOf(idParams, res).id);
  const usedIn = (await contentUsing([media._id])).get(String(media._id)) ?? [];
  confirmationPage(res, media, usedIn, 200);
}

function confirmationPage(res: Response, media: MediaDoc, usedIn: ContentRef[], status: number) {
  res.status(status).render('media/confirm-delete', {
    title: `Delete ${media.filename}`,
    noindex: true,
    media: { id: String(media._id), filename: media.filename, url: `/media/${String(media._id)}` },
    usedIn,
    usedInLabel: usageSummary(usedIn),
  });
}
