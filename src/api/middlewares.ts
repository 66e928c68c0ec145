import { authenticate, defineMiddlewares, validateAndTransformBody, validateAndTransformQuery } from "@medusajs/framework/http"
import { AdminEmptyBody, AdminReconciliationQuery, AdminRefundPaidBack, AdminResolveRefund } from "./admin/paymentoptions/validators"
import { guardNewPaymentSession, guardOrderCancel, recordCheckoutIp } from "./helpers/checkout-middlewares"
import { lockPaymentMoneyRoute, refusePartialCapture } from "./helpers/money-route-locks"
import { StoreSaveCard } from "./store/paymentoptions/validators"

export default defineMiddlewares({
  routes: [
    {
      // The webhook's raw body is needed to stamp it for the provider (see the route).
      method: ["POST"],
      matcher: "/hooks/paymentoptions/:provider/:token",
      bodyParser: { preserveRawBody: true },
    },
    // Medusa's own money routes, for PaymentOptions payments: one at a time per payment and order.
    { method: ["POST"], matcher: "/admin/payments/:id/refund", middlewares: [lockPaymentMoneyRoute] },
    { method: ["POST"], matcher: "/admin/payments/:id/capture", middlewares: [refusePartialCapture, lockPaymentMoneyRoute] },
    { method: ["POST"], matcher: "/admin/orders/:id/cancel", middlewares: [guardOrderCancel] },
    { method: ["POST"], matcher: "/store/carts/:id/complete", middlewares: [recordCheckoutIp] },
    { method: ["POST"], matcher: "/store/payment-collections/:id/payment-sessions", middlewares: [guardNewPaymentSession] },

    // The plugin's admin routes (authenticated by Medusa as every /admin route).
    { method: ["GET"], matcher: "/admin/paymentoptions/reconciliation", middlewares: [validateAndTransformQuery(AdminReconciliationQuery, {})] },
    {
      method: ["POST"],
      matcher: "/admin/paymentoptions/payments/:id/refunds/:refund_id/resolve",
      middlewares: [validateAndTransformBody(AdminResolveRefund)],
    },
    {
      method: ["POST"],
      matcher: "/admin/paymentoptions/payments/:id/refunds/:refund_id/paid-back",
      middlewares: [validateAndTransformBody(AdminRefundPaidBack)],
    },
    { method: ["POST"], matcher: "/admin/paymentoptions/payments/:id/settle", middlewares: [validateAndTransformBody(AdminEmptyBody)] },
    { method: ["POST"], matcher: "/admin/paymentoptions/orphan-payments/:id/refund", middlewares: [validateAndTransformBody(AdminEmptyBody)] },
    {
      method: ["POST"],
      matcher: "/admin/paymentoptions/orders/:id/refund-cancel-shortfall",
      middlewares: [validateAndTransformBody(AdminEmptyBody)],
    },

    // Store: the card route (guests or customers; its own parser, see the route), saved cards (customers only).
    {
      method: ["POST"],
      matcher: "/store/paymentoptions/payment-sessions/:id/card",
      middlewares: [authenticate("customer", ["session", "bearer"], { allowUnauthenticated: true })],
    },
    { matcher: "/store/paymentoptions/payment-methods*", middlewares: [authenticate("customer", ["session", "bearer"])] },
    { method: ["POST"], matcher: "/store/paymentoptions/payment-methods", middlewares: [validateAndTransformBody(StoreSaveCard)] },
  ],
})
