import { redirect } from '@sveltejs/kit';
import { signOut } from '$lib/server/kratos';
import type { RequestHandler } from './$types';

// POST only (a form's button): a link or an image elsewhere cannot sign a person out, and
// hooks.server.ts refuses cross-site form posts.
export const POST: RequestHandler = async ({ cookies }) => {
  await signOut(cookies);
  redirect(303, '/auth/login');
};
