import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { OrderWorkflowEvents } from "@medusajs/framework/utils"
import { saveOrderCardsWorkflow } from "../workflows/save-checkout-card"

/** `order.placed`: saves the cards of the order's PaymentOptions checkouts where the logged-in shopper opted in. */
export default async function saveOrderCards({ event, container }: SubscriberArgs<{ id: string }>) {
  if (!event.data?.id) return
  await saveOrderCardsWorkflow(container).run({ input: { order_id: event.data.id } })
}

export const config: SubscriberConfig = {
  event: OrderWorkflowEvents.PLACED,
  context: { subscriberId: "paymentoptions-save-order-cards" },
}
