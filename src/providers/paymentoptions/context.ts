import type { Logger } from "@medusajs/framework/types"
import { MedusaError } from "@medusajs/framework/utils"
import { providerOptionsOf, registeredProviderIds, registeredStore } from "../../modules/paymentoptions/directory"
import type { PaymentOptionsStore } from "../../modules/paymentoptions/types"
import { PaymentOptionsClient } from "./client"
import { resolveOptions, ResolvedOptions } from "./options"

/** Everything a gateway operation needs: the registration it belongs to, its client, the plugin's store. */
export interface GatewayContext {
  providerId: string
  options: ResolvedOptions
  client: PaymentOptionsClient
  store: PaymentOptionsStore
  logger: Logger
}

export const PAYMENTOPTIONS_PROVIDER_PREFIX = "pp_paymentoptions"

export function isPaymentOptionsProvider(providerId: string | null | undefined): boolean {
  return typeof providerId === "string" && (providerId === PAYMENTOPTIONS_PROVIDER_PREFIX || providerId.startsWith(`${PAYMENTOPTIONS_PROVIDER_PREFIX}_`))
}

export function missingPlugin(): MedusaError {
  return new MedusaError(
    MedusaError.Types.UNEXPECTED_STATE,
    'PaymentOptions needs its plugin registered: add { resolve: "medusa-payment-paymentoptions" } to "plugins" in ' +
      "medusa-config and run `npx medusa db:migrate` (the plugin's module keeps the operation log that makes every " +
      "payment and refund happen exactly once). Nothing was sent to the gateway."
  )
}

export function requireStore(): PaymentOptionsStore {
  const store = registeredStore()
  if (!store) throw missingPlugin()
  return store
}

const clients = new WeakMap<object, { options: ResolvedOptions; client: PaymentOptionsClient }>()

/**
 * The gateway of a registered PaymentOptions provider, for plugin code outside the payment module (workflows, the
 * job, routes): the same options the provider got, from the directory its loader filled.
 */
export function gatewayContextFor(providerId: string, logger: Logger): GatewayContext {
  const raw = isPaymentOptionsProvider(providerId) ? providerOptionsOf(providerId) : undefined
  if (!raw) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `"${providerId}" is not a PaymentOptions provider registered in this Medusa (medusa-config's payment module providers).`
    )
  }
  let known = clients.get(raw)
  if (!known) {
    const options = resolveOptions(raw)
    known = { options, client: new PaymentOptionsClient(options) }
    clients.set(raw, known)
  }
  return { providerId, ...known, store: requireStore(), logger }
}

/** The registered PaymentOptions providers whose options pass `predicate` (e.g. autoRefundOnReturn). */
export function providersWhere(predicate: (options: ResolvedOptions) => boolean): string[] {
  return registeredProviderIds().filter((id) => {
    const raw = providerOptionsOf(id)
    return raw ? predicate(resolveOptions(raw)) : false
  })
}
