// Where the project's own folders are, the same whether running from src/ (tsx, vitest) or dist/ (node).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const viewsDir = join(projectRoot, 'views');
export const publicDir = join(projectRoot, 'public');
export const bootstrapDir = join(projectRoot, 'node_modules', 'bootstrap', 'dist');
