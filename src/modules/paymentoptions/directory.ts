/**
 * Where the payment provider and the plugin meet. This is the plugin's one workaround: Medusa 2.21 gives a payment
 * provider no public way to reach a plugin's module, and plugin code (workflows, routes, the job) no public way to
 * reach a provider's options. Both are registered here at boot from public arguments only:
 * - the provider's module loader (src/providers/paymentoptions/loaders) receives its own `options` and the payment
 *   module's `moduleOptions`, whose `providers` entry with those options carries the provider's real id;
 * - the plugin module's service registers itself when Medusa creates it.
 * Kept on globalThis so every copy of this file (a test that imports src/ next to the app Medusa loaded) sees one
 * directory. integration-tests/http/smoke.spec.ts fails if Medusa stops calling provider loaders that way.
 */
import type { PaymentOptionsStore } from "./types"

interface Directory {
  providers: Map<string, Record<string, unknown>>
  ids: WeakMap<object, string>
  store?: PaymentOptionsStore
}

const KEY = Symbol.for("medusa-payment-paymentoptions.directory")

function directory(): Directory {
  const g = globalThis as Record<symbol, Directory | undefined>
  return (g[KEY] ??= { providers: new Map(), ids: new WeakMap() })
}

/** Called by the provider's loader with the provider's id (`pp_paymentoptions_<id>`) and its raw options. */
export function registerProvider(providerId: string, options: Record<string, unknown>): void {
  const d = directory()
  d.providers.set(providerId, options)
  d.ids.set(options, providerId)
}

/** The id of the provider registered with exactly these options (the object Medusa passes to its constructor). */
export function providerIdOf(options: object): string | undefined {
  return directory().ids.get(options)
}

/** The raw options of a registered PaymentOptions provider, or undefined. */
export function providerOptionsOf(providerId: string): Record<string, unknown> | undefined {
  return directory().providers.get(providerId)
}

export function registeredProviderIds(): string[] {
  return [...directory().providers.keys()]
}

export function registerStore(store: PaymentOptionsStore): void {
  directory().store = store
}

/** The plugin module's store, or undefined when the plugin is not registered in medusa-config's `plugins`. */
export function registeredStore(): PaymentOptionsStore | undefined {
  return directory().store
}
