import { model } from "@medusajs/framework/utils"

/**
 * Facts about the shopper's request that Medusa does not pass to a payment provider: the IP address of the request
 * that completes the cart (recorded by the plugin's middleware), sent to the gateway with a saved-card payment.
 */
export const SessionContext = model
  .define("paymentoptions_session_context", {
    id: model.id({ prefix: "poctx" }).primaryKey(),
    session_id: model.text(),
    client_ip: model.text(),
  })
  .indexes([{ on: ["session_id"], unique: true }])
