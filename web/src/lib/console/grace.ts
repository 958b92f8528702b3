/** How long a rolled key or webhook secret keeps working: the choices the console offers, in seconds. */
export const GRACE_CHOICES = [0, 3600, 86_400, 604_800] as const;
