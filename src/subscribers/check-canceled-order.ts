import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { OrderWorkflowEvents } from "@medusajs/framework/utils"
import { checkCanceledOrderWorkflow } from "../workflows/check-canceled-order"

/** `order.canceled`: reports a refund the cancel booked but the gateway did not make (reconciliation has the fix). */
export default async function checkCanceledOrder({ event, container }: SubscriberArgs<{ id: string }>) {
  if (!event.data?.id) return
  await checkCanceledOrderWorkflow(container).run({ input: { order_id: event.data.id } })
}

export const config: SubscriberConfig = {
  event: OrderWorkflowEvents.CANCELED,
  context: { subscriberId: "paymentoptions-check-canceled-order" },
}
