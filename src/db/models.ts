// Imports every Mongoose model, so that anything that works on "all models" (migrations, index
// builds, the CLI) sees them all without building the HTTP app.
import '../users/user.model.js';
import '../site/settings.model.js';
import '../site/audit.model.js';
import '../media/media.model.js';
import '../comments/comment.model.js';
import '../auth/attempt.model.js';
