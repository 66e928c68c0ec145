/**
 * Card-number masking, shared by the provider (logs, errors, stored gateway messages) and the admin widget
 * (src/admin/lib/format.ts imports this file). Pure string code: no Node or DOM imports, so it compiles in both the
 * server build (tsconfig.json) and the admin build (tsconfig.admin.json, bundled by Vite).
 *
 * What `maskPans` treats as a card number
 * - Digits are ASCII 0-9 and full-width ０-９ (U+FF10-FF19), mixed freely. A "group" is a maximal run of digits, so
 *   letters, `_`, Japanese text or punctuation around it are boundaries: `card4111111111111111x`,
 *   `pan_4111111111111111`, `カード番号4111111111111111は無効です` are all found.
 * - Groups may be joined by exactly one separator: a space (also no-break and ideographic space U+3000), a dash
 *   (`-`, `－`, `‐`, `–`, `—`, `−`, `ー`…) or a dot (`.`, `．`, `・`). A candidate is one group of 12-19 digits
 *   (`4111111111111111`) or several joined groups with 13-19 digits in all, every group but the last at least
 *   4 digits long (`4111 1111 1111 1111`, `3782 822463 10005`); it does not start with 0 (no card number does:
 *   ISO/IEC 7812 major industry identifier 0 is not issued to cards) and passes the Luhn check.
 * - A candidate may start and end at any group of a chain, so a date, an order number or a CVV written next to a
 *   card number does not hide it (`2024-01-15 4111 1111 1111 1111 123`). The 13-digit floor for grouped numbers
 *   keeps a Luhn-invalid `4242 4242 4242 4243` whole: its first three groups (424242424242) pass Luhn, but no
 *   12-digit card is printed in groups.
 * - Luhn-invalid runs are not card numbers and stay as they are (order ids, amounts, phone numbers, timestamps,
 *   digits of UUIDs). One run in ten passes Luhn by chance: such a number is masked too, the price of catching
 *   every valid card number.
 * - Long runs: a group of more than 19 digits (no separator inside) is an identifier, never part of a card number,
 *   and stays whole. Looking for a 12-19 digit Luhn-valid window inside it would find one in nearly every long id
 *   (a 24-digit id has over 70 such windows, each passing Luhn one time in ten), so the check would stop telling
 *   card numbers from ids, and no gateway or log glues a card number to other digits without a separator.
 *   Separated neighbours are another matter: `4111111111111111 0000` masks the card number.
 * - Masking replaces every digit of a candidate but the last four with the mask character (one character for one,
 *   so the text keeps its length) and keeps separators: `4111 1111 1111 1111` → `**** **** **** 1111`,
 *   `４１１１１１１１１１１１１１１１` → `************１１１１`. Overlapping candidates are all masked, so no
 *   Luhn-valid candidate ever shows more than its last four digits.
 * - The result is a fixed point: masking it again changes nothing (the last four digits left visible are looked at
 *   again with whatever follows them, as a second pass would).
 *
 * Time is linear in the text's length: one scan into groups, then at most a few groups (19 digits) per start.
 */

/** What may be stored about a card: never the number, never the CVC. */
export interface MaskedCard {
  scheme: string | null
  last4: string | null
  exp_month: string | null
  exp_year: string | null
}

const MIN_PAN = 12
/** Fewest digits of a card number written in several groups (no 12-digit card is printed in groups). */
const MIN_PAN_SPLIT = 13
const MAX_PAN = 19
/** Fewest digits of a group that is followed by another group of the same card number. */
const MIN_GROUP = 4
/** Digits left readable. */
const KEEP = 4

/** A UTF-16 code unit's digit value: ASCII or full-width digits; -1 for anything else. */
function digitAt(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0xff10 && c <= 0xff19) return c - 0xff10
  return -1
}

/** Whether a character may join two digit groups of one card number (one of them, between two digits). */
function isSeparator(c: number): boolean {
  if (c < 0x80) return c === 0x20 || c === 0x2d || c === 0x2e // space, dash, dot
  switch (c) {
    // spaces: no-break, figure, thin, narrow no-break, ideographic (full-width)
    case 0xa0: case 0x2007: case 0x2009: case 0x202f: case 0x3000:
    // dashes: hyphen, non-breaking hyphen, figure dash, en/em dash, horizontal bar, minus, full-width hyphen-minus,
    // katakana prolonged sound mark (full- and half-width: typed as a dash in Japanese)
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015: case 0x2212:
    case 0xff0d: case 0x30fc: case 0xff70:
    // dots: full-width full stop, katakana middle dot (full- and half-width)
    case 0xff0e: case 0x30fb: case 0xff65:
      return true
    default:
      return false
  }
}

/** The ASCII digits of a value: full-width digits become ASCII, everything else is dropped. */
export function cardDigits(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? "" : String(value)
  let out = ""
  for (let i = 0; i < text.length; i++) {
    const d = digitAt(text, i)
    if (d >= 0) out += d
  }
  return out
}

export function maskCard(
  card: { name?: string | null; number?: string | null; exp_month?: string | null; exp_year?: string | null } | null | undefined,
  scheme?: string | null
): MaskedCard | null {
  if (!card && !scheme) return null
  const digits = cardDigits(card?.number)
  return {
    scheme: scheme ?? null,
    last4: digits.length >= KEEP ? digits.slice(-KEEP) : null,
    exp_month: card?.exp_month ?? null,
    exp_year: card?.exp_year ?? null,
  }
}

export interface MaskPansOptions {
  /** The character that replaces a masked digit; one UTF-16 unit keeps the text's length. Default `*`. */
  mask?: string
}

/** Luhn's doubling of one digit. */
const DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9]

/** The text cut into digit groups, and which of its code units are masked. */
interface Scan {
  text: string
  /** Group g is text[starts[g], ends[g]): a maximal run of digits. */
  starts: number[]
  ends: number[]
  /** Luhn sums of group g's digits on their own: `even` when its last digit is not doubled, `odd` when it is. */
  even: number[]
  odd: number[]
  /** linked[g] = 1 when one separator joins group g to group g + 1. */
  linked: Uint8Array
  masked: Uint8Array
  any: boolean
}

function visible(scan: Scan, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (scan.masked[i]) return false
  return true
}

/** Masks all but the last KEEP digits of the candidate that starts at `from` (in group g) and ends with group last. */
function maskCandidate(scan: Scan, from: number, g: number, last: number, digits: number): void {
  let left = digits - KEEP
  let i = from
  for (let k = g; k <= last && left > 0; k++) {
    if (k > g) i = scan.starts[k]
    for (const end = scan.ends[k]; i < end && left > 0; i++, left--) scan.masked[i] = 1
  }
  scan.any = true
}

/**
 * Tries every candidate that starts at code unit `from` inside group g (the group's start, or the visible last four
 * digits of a group whose other digits are masked) and masks the Luhn-valid ones. Constant work per group joined
 * (each group's Luhn sums are known), and at most 19 digits' worth of groups.
 * With `onlyVisible`, groups after the first must be wholly visible (what a second pass would see as groups).
 */
function tryFrom(scan: Scan, from: number, g: number, onlyVisible: boolean): void {
  const { text, starts, ends, linked } = scan
  if (digitAt(text, from) === 0) return
  // Luhn sums of the candidate so far: `even` when its last digit is not doubled (the check), `odd` when it is.
  let even = 0
  let odd = 0
  if (from === starts[g]) {
    even = scan.even[g]
    odd = scan.odd[g]
  } else {
    for (let i = from; i < ends[g]; i++) {
      const d = digitAt(text, i)
      const nextEven = d + odd
      odd = DOUBLED[d] + even
      even = nextEven
    }
  }
  let digits = ends[g] - from
  if (digits > MAX_PAN) return
  if (digits >= MIN_PAN && even % 10 === 0) maskCandidate(scan, from, g, g, digits)
  for (let k = g + 1; k < starts.length; k++) {
    // joined by one separator, and the group before (no longer the last) has at least MIN_GROUP digits
    const before = k - 1 === g ? ends[g] - from : ends[k - 1] - starts[k - 1]
    if (!linked[k - 1] || before < MIN_GROUP) return
    const length = ends[k] - starts[k]
    if (digits + length > MAX_PAN) return
    if (onlyVisible && !visible(scan, starts[k], ends[k])) return
    // appending the group shifts every earlier digit by `length` places: an odd shift swaps which are doubled
    const nextEven = scan.even[k] + (length % 2 === 0 ? even : odd)
    odd = scan.odd[k] + (length % 2 === 0 ? odd : even)
    even = nextEven
    digits += length
    if (digits >= MIN_PAN_SPLIT && even % 10 === 0) maskCandidate(scan, from, g, k, digits)
  }
}

/** runs[n] is n mask characters, n <= MAX_PAN (a masked run lies inside one group of at most 19 digits). */
const maskRunsCache = new Map<string, string[]>()
function maskRuns(mask: string): string[] {
  let runs = maskRunsCache.get(mask)
  if (!runs) {
    runs = [""]
    for (let n = 1; n <= MAX_PAN; n++) runs.push(runs[n - 1] + mask)
    if (maskRunsCache.size < 8) maskRunsCache.set(mask, runs)
  }
  return runs
}

/**
 * Masks every card number in free text (gateway messages, error messages, anything logged or shown), keeping the
 * last four digits. See the top of this file for exactly what counts as a card number.
 */
export function maskPans(text: string, options: MaskPansOptions = {}): string {
  if (typeof text !== "string" || text.length < MIN_PAN) return text

  // 1. Digit groups with their Luhn sums, and which groups are joined by one separator.
  const starts: number[] = []
  const ends: number[] = []
  const evens: number[] = []
  const odds: number[] = []
  let total = 0
  for (let i = 0; i < text.length; ) {
    let d = digitAt(text, i)
    if (d < 0) {
      i++
      continue
    }
    const start = i
    let even = 0
    let odd = 0
    do {
      const nextEven = d + odd
      odd = DOUBLED[d] + even
      even = nextEven
      i++
    } while (i < text.length && (d = digitAt(text, i)) >= 0)
    starts.push(start)
    ends.push(i)
    evens.push(even)
    odds.push(odd)
    total += i - start
  }
  if (total < MIN_PAN) return text
  const count = starts.length
  const linked = new Uint8Array(count)
  for (let g = 0; g + 1 < count; g++) {
    if (starts[g + 1] === ends[g] + 1 && isSeparator(text.charCodeAt(ends[g]))) linked[g] = 1
  }
  const scan: Scan = { text, starts, ends, even: evens, odd: odds, linked, masked: new Uint8Array(text.length), any: false }

  // 2. First pass: candidates starting at every group (overlapping candidates all masked).
  for (let g = 0; g < count; g++) {
    const length = ends[g] - starts[g]
    // a group too short to be a card number on its own starts one only if a group follows that it may be joined to
    if (length >= MIN_PAN || (length >= MIN_GROUP && linked[g])) tryFrom(scan, starts[g], g, false)
  }
  if (!scan.any) return text

  // 3. Fixed point: a group whose digits but the last four got masked now shows those four as a group of their own
  // (a second pass would see them so); try candidates from there, left to right. Masking only reaches rightwards,
  // so each group is final when the loop comes to it.
  const { masked } = scan
  for (let g = 0; g + 1 < count; g++) {
    const end = ends[g]
    if (!linked[g] || end - starts[g] <= KEEP || !masked[end - KEEP - 1] || !visible(scan, end - KEEP, end)) continue
    tryFrom(scan, end - KEEP, g, true)
  }

  // 4. The result: one mask character per masked digit, everything else as it was.
  const runs = maskRuns(options.mask ?? "*")
  const parts: string[] = []
  let copied = 0
  for (let i = 0; i < text.length; i++) {
    if (!masked[i]) continue
    let run = i + 1
    while (run < text.length && masked[run]) run++
    if (copied < i) parts.push(text.slice(copied, i))
    parts.push(runs[run - i] ?? (options.mask ?? "*").repeat(run - i))
    copied = run
    i = run
  }
  parts.push(text.slice(copied))
  return parts.join("")
}
