// Test cards: scheme detection and the sandbox's magic decline numbers.
import type { SandboxCard } from "./types"

export const DECLINE_CARDS: Readonly<Record<string, number>> = {
  "4000000000000002": 5, // Do not honour
  "4000000000009995": 51, // Insufficient funds
}

export const DEFAULT_TEST_CARD = "4111111111111111"

export function schemeOf(pan: string): string {
  if (pan.startsWith("3")) return "AMEX"
  if (pan.startsWith("5") || pan.startsWith("2")) return "MASTERCARD"
  return "VISA"
}

export function isPan(v: unknown): v is string {
  return typeof v === "string" && /^\d{12,19}$/.test(v)
}

/** Acquirer decline code for a test card, or 0 when it approves. */
export function declineCodeFor(card: SandboxCard): number {
  return DECLINE_CARDS[card.number] ?? 0
}
