import type { SavedCardRecord } from "../../modules/paymentoptions/types"

/** The account holder's external id: the gateway has no customer object, so it is Medusa's customer. */
export function accountHolderIdFor(customerId: string): string {
  return `po_${customerId}`
}

/** What a storefront may see of a saved card: never its token. */
export function publicCard(card: Pick<SavedCardRecord, "scheme" | "last4" | "exp_month" | "exp_year">) {
  return {
    scheme: card.scheme ?? null,
    last4: card.last4 ?? null,
    exp_month: card.exp_month ?? null,
    exp_year: card.exp_year ?? null,
  }
}

/**
 * The account holder Medusa put in a provider call's context. Typed as `{ data }` in 2.21's provider types, it is
 * the whole record at runtime (createPaymentSessionsWorkflow passes the customer's account holder of this provider).
 */
export function accountHolderOf(context: unknown): { id: string; provider_id?: string } | undefined {
  const holder = (context as { account_holder?: { id?: unknown; provider_id?: unknown } } | undefined)?.account_holder
  if (!holder || typeof holder.id !== "string" || !holder.id) return undefined
  return { id: holder.id, ...(typeof holder.provider_id === "string" ? { provider_id: holder.provider_id } : {}) }
}
