/**
 * Classes of the acquirer `payment_details.response_code` (API.md §8).
 * - approved: money moved as asked
 * - declined: final refusal, safe to report as a failure
 * - unclear: the result is not known; reconcile with Transaction Status, never resend blindly
 * - retryable: the acquirer asks to try again; still verify first (no idempotency key exists)
 * - pending: the acquirer has not finished
 * - invalid: integration or format error on our side
 */
export type ResponseCodeClass = "approved" | "declined" | "unclear" | "retryable" | "pending" | "invalid"

const APPROVED = [0, 8, 10, 85]
const UNCLEAR = [-1, 6, 20, 68, 94, 96, 98, 99, 451, 452, 676, 677, 679, 680, 682, 683, 694, 695, 696, 697, 698, 699, 700, 701, 702, 704, 1295]
const RETRYABLE = [19, 28, 80, 91, 92, 443, 444, 445, 446, 447, 448, 449, 450, 453, 454, 455, 456, 457, 459, 460, 675, 678, 681, 703, 705]
const PENDING = [578]
const INVALID = [
  3, 7, 13, 30, 397, 398, 442, 458, 609, 610, 611, 670, 671, 672, 674, 902,
  ...range(590, 604),
  ...range(622, 643),
  645, 646, 647,
  ...range(658, 669),
]

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

const TABLE = new Map<number, ResponseCodeClass>()
for (const [codes, cls] of [
  [APPROVED, "approved"],
  [UNCLEAR, "unclear"],
  [RETRYABLE, "retryable"],
  [PENDING, "pending"],
  [INVALID, "invalid"],
] as const) {
  for (const code of codes) TABLE.set(code, cls)
}

/** Every code not listed above is a decline (the §8 table's "D" rows and the -8000…-8019 risk rejections). */
export function classifyResponseCode(code: number | null | undefined): ResponseCodeClass | undefined {
  if (code === null || code === undefined || Number.isNaN(code)) return undefined
  return TABLE.get(code) ?? "declined"
}
