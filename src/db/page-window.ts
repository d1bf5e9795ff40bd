// Numbered pages over a bounded admin list: the requested page clamped to the last one. (Public lists
// use keyset pages instead; admin lists are small enough for skip.)
export interface PageWindow {
  page: number;
  pages: number;
  skip: number;
}

export function pageWindow(total: number, requested: number, size: number): PageWindow {
  const pages = Math.max(1, Math.ceil(total / size));
  const page = Math.min(Math.max(1, requested), pages);
  return { page, pages, skip: (page - 1) * size };
}
