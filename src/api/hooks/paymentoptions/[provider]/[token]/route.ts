import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, Modules, PaymentWebhookEvents } from "@medusajs/framework/utils"
import { providerOptionsOf } from "../../../../../modules/paymentoptions/directory"
import { isPaymentOptionsProvider } from "../../../../../providers/paymentoptions/context"
import { resolveOptions } from "../../../../../providers/paymentoptions/options"
import { sameSecret, WEBHOOK_SIGNATURE_HEADER, webhookSignature } from "../../../../../providers/paymentoptions/webhook-signature"

/**
 * The webhook URL given to the gateway when `webhookSecret` is set: /hooks/paymentoptions/<provider>/<secret>.
 * A request with the right secret is handed to Medusa's payment-webhook processing exactly like Medusa's own
 * /hooks/payment/:provider route does, stamped with an HMAC of its raw body that the provider checks.
 */
export const POST = async (req: MedusaRequest, res: MedusaResponse) => {
  const { provider, token } = req.params
  const logger = req.scope.resolve(ContainerRegistrationKeys.LOGGER)
  const raw = isPaymentOptionsProvider(`pp_${provider}`) ? providerOptionsOf(`pp_${provider}`) : undefined
  const secret = raw ? resolveOptions(raw).webhookSecret : undefined
  if (!secret || !sameSecret(secret, token)) {
    logger.warn(`PaymentOptions webhook refused: unknown provider or wrong secret in the URL (provider ${provider}).`)
    res.sendStatus(404)
    return
  }
  const rawBody: Buffer | string = (req as unknown as { rawBody?: Buffer }).rawBody ?? JSON.stringify(req.body ?? {})
  const options = ((req.scope.resolve(Modules.PAYMENT) as unknown as { options?: Record<string, number> }).options ?? {})
  const eventBus = req.scope.resolve(Modules.EVENT_BUS)
  await eventBus.emit(
    {
      name: PaymentWebhookEvents.WebhookReceived,
      data: {
        provider,
        payload: {
          data: req.body,
          rawData: rawBody,
          headers: { ...req.headers, [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(secret, rawBody) },
        },
      },
    },
    // Same delay and attempts as Medusa's own webhook route.
    { delay: options.webhook_delay || 5000, attempts: options.webhook_retries || 3 }
  )
  res.sendStatus(200)
}
