// Imports every Mongoose model, so that anything that works on "all models" (migrations, index
// builds, the CLI) sees them all without building the HTTP app. test/db/model-indexes.test.ts fails when
// a model is missing here (its indexes would not be built by `npm run migrate`).
import '../users/user.model.js';
import '../site/settings.model.js';
import '../site/audit.model.js';
import '../site/redirect.model.js';
import '../posts/post.model.js';
import '../posts/tag.model.js';
import '../posts/revision.model.js';
import '../pages/page.model.js';
import '../pages/navigation.model.js';
import '../media/media.model.js';
import '../comments/comment.model.js';
import '../auth/attempt.model.js';
import '../auth/one-time.model.js';
import '../auth/password-reset.model.js';
import '../auth/invitation.model.js';
import '../auth/email-verification.model.js';
