import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"

/**
 * The Medusa payment recorded for a payment session that is not canceled: money the gateway took for that session
 * belongs to it (an order's), never to the orphan list. Sessions may be deleted; their payments are not.
 */
export async function livePaymentOfSession(container: MedusaContainer, sessionId: string): Promise<{ id: string } | undefined> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({ entity: "payment", fields: ["id", "canceled_at"], filters: { payment_session_id: sessionId } })
  const live = (data as { id: string; canceled_at?: unknown }[]).find((p) => !p.canceled_at)
  return live ? { id: live.id } : undefined
}
