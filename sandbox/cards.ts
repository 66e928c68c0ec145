// Test cards: scheme detection and the sandbox's magic decline numbers.
import type { SandboxCard } from "./types"

export const DECLINE_CARDS: Readonly<Record<string, number>> = {
  "4000000000000002": 5, // Do not honour
  "4000000000009995": 51, // Insufficient funds
}

export const DEFAULT_TEST_CARD = "4111111111111111"

/**
 * The docs' 3-D Secure sample card (VISA). On P/authorizationv2 and P/paymentv2, directly or
 * through a stored token, it always gets a challenge; on the v1 endpoints and the hosted page
 * it approves like any other card (no 3-D Secure there).
 */
export const THREE_DS_CARD = "4000002500003155"

export function isThreeDsCard(card: SandboxCard): boolean {
  return card.number === THREE_DS_CARD
}

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
