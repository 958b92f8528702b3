// A merchant's brand colour (`#rrggbb`) as the hosted checkout paints its header and pay button
// with it: the text on it must stay readable whatever colour the merchant picks.

export const BRAND_COLOR = /^#[0-9a-f]{6}$/;

/** WCAG 2's relative luminance of an sRGB colour, 0 (black) to 1 (white). */
export function relativeLuminance(hex: string): number {
  const channel = (offset: number) => {
    const value = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG 2's contrast ratio of two luminances, 1 to 21. */
function contrast(a: number, b: number): number {
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** The dark text colour offered against light brand colours. */
export const DARK_TEXT = '#111827';
const DARK_LUMINANCE = relativeLuminance(DARK_TEXT);

/** White or dark text, whichever contrasts more with the brand colour. */
export function textColorOn(hex: string): '#ffffff' | typeof DARK_TEXT {
  const background = relativeLuminance(hex.toLowerCase());
  return contrast(background, 1) >= contrast(background, DARK_LUMINANCE) ? '#ffffff' : DARK_TEXT;
}
