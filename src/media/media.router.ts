// The media library: GET /media (grid + upload form), POST /media (multipart field `file`, alt text
// required), GET|POST /media/:id (details, alt text), GET|POST /media/:id/delete (confirmation when the
// image is in use). Authors see and manage their own images; editors and admins everyone's.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { currentUser, requireCan } from '../site/guards.js';
import { wantsJson } from '../http/negotiation.js';
import { form, inputOf, objectId, requiredText, validate } from '../http/validate.js';
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

  const libraryLocals = async (req: Request, _res?: Response) => {
    const query = libraryQuery.parse(req.query);
    return {
      title: 'Media library',
      noindex: true,
      library: await listMedia(currentUser(req), storage, { before: query.before }),
      maxUploadBytes: config.maxUploadBytes,
    };
  };

  router.get('/media', guard, async (req, res) => {
    res.render('media/index', await libraryLocals(req, res));
  });

  router.post(
    '/media',
    guard,
    form('media/index', libraryLocals),
    ...acceptUpload('file', { maxBytes: config.maxUploadBytes, maxFiles: 1 }),
    validate(uploadForm),
    async (req: Request, res: Response) => {
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
    },
  );

  const detailLocals = async (req: Request) => {
    const media = await getMediaDetail(currentUser(req), String(req.params.id), storage);
    return { title: media.filename, noindex: true, media };
  };

  router.get('/media/:id', guard, async (req, res) => {
    res.render('media/show', await detailLocals(req));
  });

  router.post('/media/:id', guard, form('media/show', detailLocals), validate(altForm), async (req, res) => {
    const id = String(req.params.id);
    await updateAlt(currentUser(req), id, inputOf(altForm, res).alt);
    res.flash('success', 'Alt text saved.');
    res.redirect(303, `/media/${encodeURIComponent(id)}`);
  });

  const confirmationPage = (res: Response, media: MediaDoc, usedIn: ContentRef[], status: number) => {
    res.status(status).render('media/confirm-delete', {
      title: `Delete ${media.filename}`,
      noindex: true,
      media: { id: String(media._id), filename: media.filename, url: `/media/${String(media._id)}` },
      usedIn,
      usedInLabel: usageSummary(usedIn),
    });
  };

  router.get('/media/:id/delete', guard, async (req, res) => {
    const media = await findManageable(currentUser(req), String(req.params.id));
    const usedIn = (await contentUsing([media._id])).get(String(media._id)) ?? [];
    confirmationPage(res, media, usedIn, 200);
  });

  router.post('/media/:id/delete', guard, validate(deleteForm), async (req, res) => {
    const outcome = await deleteMedia(currentUser(req), String(req.params.id), storage, {
      confirmed: inputOf(deleteForm, res).confirm === 'yes',
      ip: req.ip,
    });
    // In use and not confirmed: nothing was deleted; the page that asks, as a 409.
    if (!outcome.deleted) return confirmationPage(res, outcome.media, outcome.usedIn, 409);
    res.flash('success', `Deleted “${outcome.filename}” and all its sizes.`);
    res.redirect(303, '/media');
  });

  return router;
}
