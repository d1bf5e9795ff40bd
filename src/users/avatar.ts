// Where a user's avatar is served from: their re-encoded upload, or the default picture.
export const DEFAULT_AVATAR_URL = '/public/img/avatar-default.svg';

export function avatarUrl(avatarKey: string | null | undefined): string {
  return avatarKey ? `/uploads/${avatarKey}` : DEFAULT_AVATAR_URL;
}
