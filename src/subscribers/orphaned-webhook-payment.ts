import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import type { ProviderWebhookPayload } from "@medusajs/framework/types"
import { PaymentWebhookEvents } from "@medusajs/framework/utils"
import { recordOrphanedWebhookPaymentWorkflow } from "../workflows/record-orphaned-webhook-payment"
import { refundOrphanPaymentWorkflow } from "../workflows/refund-orphan-payment"

/**
 * `payment.webhook_received`, next to Medusa's own handler: a verified, succeeded PaymentOptions payment for a session
 * that no longer exists is recorded as an orphan (and refunded when `refundOrphanedPayments` is on).
 */
export default async function orphanedWebhookPayment({ event, container }: SubscriberArgs<ProviderWebhookPayload>) {
  const provider = event.data?.provider
  if (!provider || !provider.replace(/^pp_/, "").startsWith("paymentoptions")) return
  const payload = { ...event.data.payload }
  // A Buffer comes back from the event bus as { type: "Buffer", data: [...] } (as Medusa's own subscriber handles it).
  if (payload.rawData && typeof payload.rawData === "object" && !Buffer.isBuffer(payload.rawData)) {
    payload.rawData = Buffer.from((payload.rawData as unknown as { data: number[] }).data ?? [])
  }
  const { result } = await recordOrphanedWebhookPaymentWorkflow(container).run({ input: { provider, payload } })
  if (result.refund && result.orphan_id) {
    await refundOrphanPaymentWorkflow(container).run({ input: { orphan_id: result.orphan_id, by: null } })
  }
}

export const config: SubscriberConfig = {
  event: PaymentWebhookEvents.WebhookReceived,
  context: { subscriberId: "paymentoptions-orphaned-webhook-payment" },
}
