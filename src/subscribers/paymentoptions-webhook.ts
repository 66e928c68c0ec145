import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import type { ProviderWebhookPayload } from "@medusajs/framework/types"
import { PaymentWebhookEvents } from "@medusajs/framework/utils"
import { handleWebhookWorkflow } from "../workflows/handle-webhook"
import { refundOrphanPaymentWorkflow } from "../workflows/refund-orphan-payment"

/**
 * `payment.webhook_received`, next to Medusa's own handler: links an announced refund and writes it to the payment's
 * ledger; records a succeeded payment for a session that no longer exists as an orphan (and refunds it when
 * `refundOrphanedPayments` is on).
 */
export default async function paymentOptionsWebhook({ event, container }: SubscriberArgs<ProviderWebhookPayload>) {
  const provider = event.data?.provider
  if (!provider || !provider.replace(/^pp_/, "").startsWith("paymentoptions")) return
  const payload = { ...event.data.payload }
  // A Buffer comes back from the event bus as { type: "Buffer", data: [...] } (as Medusa's own subscriber handles it).
  if (payload.rawData && typeof payload.rawData === "object" && !Buffer.isBuffer(payload.rawData)) {
    payload.rawData = Buffer.from((payload.rawData as unknown as { data: number[] }).data ?? [])
  }
  const { result } = await handleWebhookWorkflow(container).run({ input: { provider, payload } })
  if (result.refund && result.orphan_id) {
    await refundOrphanPaymentWorkflow(container).run({ input: { orphan_id: result.orphan_id, by: null } })
  }
}

export const config: SubscriberConfig = {
  event: PaymentWebhookEvents.WebhookReceived,
  context: { subscriberId: "paymentoptions-webhook" },
}
