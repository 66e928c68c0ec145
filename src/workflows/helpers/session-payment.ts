import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"

/**
 * The Medusa payment of a payment session that an order uses and that is not canceled: money the gateway took for
 * that session is the order's, never an orphan. Sessions may be deleted; their payments are not. A payment whose
 * collection has no order (a completion that failed after the payment was taken) is not an order's: it is an orphan.
 */
export async function orderPaymentOfSession(container: MedusaContainer, sessionId: string): Promise<{ id: string; order_id: string } | undefined> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({
    entity: "payment",
    fields: ["id", "canceled_at", "captures.id", "payment_collection.order.id", "payment_collection.order.transactions.reference_id"],
    filters: { payment_session_id: sessionId },
  })
  const owned = (data as any[]).find((p) => {
    const order = p.payment_collection?.order
    if (p.canceled_at || !order?.id) return false
    // A captured payment is the order's when the order booked its capture; a collection can also hold a payment
    // captured for an earlier, failed completion (its order then books only the later payment's capture).
    const captures = (p.captures ?? []).map((c: any) => c?.id).filter(Boolean)
    if (!captures.length) return true
    const booked = new Set((order.transactions ?? []).map((t: any) => t?.reference_id))
    return captures.some((id: string) => booked.has(id))
  })
  return owned ? { id: owned.id, order_id: owned.payment_collection.order.id } : undefined
}
