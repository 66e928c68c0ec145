import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { SkipExecutionError } from "@medusajs/framework/orchestration"
import { ContainerRegistrationKeys, OrderWorkflowEvents } from "@medusajs/framework/utils"
import { refundReceivedReturnWorkflow } from "../workflows/refund-received-return"

/**
 * `order.return_received` ({ order_id, return_id }, emitted for every receipt): with the provider option
 * `autoRefundOnReturn`, refunds what the order owes once the return is completely received, once per return
 * (the workflow is idempotent by return id, and its claim row is unique per return).
 */
export default async function refundReceivedReturn({ event, container }: SubscriberArgs<{ order_id?: string; return_id?: string }>) {
  const returnId = event.data?.return_id
  if (!returnId) return
  try {
    await refundReceivedReturnWorkflow(container).run({
      input: { return_id: returnId },
      context: { transactionId: `paymentoptions-return-refund:${returnId}` },
    })
  } catch (error) {
    // Another delivery of the event (this process or another) is running the same return's workflow right now.
    if (!SkipExecutionError.isSkipExecutionError(error as Error)) throw error
    container
      .resolve(ContainerRegistrationKeys.LOGGER)
      .info(`PaymentOptions automatic refund for return ${returnId} is already being handled by another delivery of ${event.name}; nothing to do.`)
  }
}

export const config: SubscriberConfig = {
  event: OrderWorkflowEvents.RETURN_RECEIVED,
  context: { subscriberId: "paymentoptions-refund-received-return" },
}
