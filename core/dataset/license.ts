// A dataset's declared licence, as each export states it: never invented. Undeclared stays "unspecified" (Hugging
// Face `other`), with a note that each source's own terms apply: a bearer-token API is not CC0 because we say so.
import { z } from 'zod';

/** An SPDX licence id (`CC-BY-4.0`, `MIT`, `LicenseRef-…`) or the URL of the licence text. */
export const LicenseDecl = z
  .string()
  .min(1)
  .max(300)
  .refine(
    (s) => /^[A-Za-z0-9][A-Za-z0-9.+-]*$/.test(s) || /^https:\/\/[^\s]+$/.test(s),
    'must be an SPDX licence id (e.g. CC-BY-4.0) or an https:// URL of the licence',
  );

export const UNSPECIFIED_LICENSE_NOTE =
  'No licence was declared for this dataset. Its records are copies of what each source served: the terms of ' +
  'each source (listed under provenance) apply. Do not assume the data is open.';

const isUrl = (l: string): boolean => l.startsWith('https://');

/** Croissant/schema.org `license`: the licence URL, or a CreativeWork that says no licence was declared. */
export function croissantLicense(license: string | undefined): unknown {
  if (license === undefined)
    return { '@type': 'sc:CreativeWork', name: 'unspecified', description: UNSPECIFIED_LICENSE_NOTE };
  if (isUrl(license)) return license;
  return license.startsWith('LicenseRef-') ? license : `https://spdx.org/licenses/${license}.html`;
}

/** The Hugging Face card's licence keys: a lower-case SPDX id, or `other` with a name and link. */
export function cardLicense(license: string | undefined): Record<string, string> {
  if (license === undefined) return { license: 'other', license_name: 'unspecified' };
  if (isUrl(license)) return { license: 'other', license_name: 'see-link', license_link: license };
  if (license.startsWith('LicenseRef-')) return { license: 'other', license_name: license.slice(11).toLowerCase() };
  return { license: license.toLowerCase() };
}

export const licenseText = (license: string | undefined): string =>
  license === undefined ? `unspecified. ${UNSPECIFIED_LICENSE_NOTE}` : license;
