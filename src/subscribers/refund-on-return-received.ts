import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { ContainerRegistrationKeys, OrderWorkflowEvents } from "@medusajs/framework/utils"
import { refundReceivedReturn } from "../lib/return-refund"

/**
 * `order.return_received` ({ order_id, return_id }, emitted by confirmReturnReceiveWorkflow for every receipt):
 * with the provider option `autoRefundOnReturn`, refunds what the order owes once the return is completely
 * received, exactly once per return (src/lib/return-refund.ts).
 */
export default async function refundOnReturnReceived({ event, container }: SubscriberArgs<{ order_id?: string; return_id?: string }>) {
  const returnId = event.data?.return_id
  if (!returnId) return
  try {
    await refundReceivedReturn(container, returnId)
  } catch (error) {
    // Before the return's marker was written: nothing was refunded. Logged with the ids for the admin.
    container
      .resolve(ContainerRegistrationKeys.LOGGER)
      .error(
        `PaymentOptions automatic refund for return ${returnId} (order ${event.data?.order_id ?? "?"}) did not start: ${error instanceof Error ? error.message : String(error)}`
      )
  }
}

export const config: SubscriberConfig = {
  event: OrderWorkflowEvents.RETURN_RECEIVED,
  context: { subscriberId: "paymentoptions-refund-on-return-received" },
}
