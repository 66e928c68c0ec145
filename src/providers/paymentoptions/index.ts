import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import registerPaymentOptionsProvider from "./loaders/register-provider"
import PaymentOptionsProviderService from "./service"

export default ModuleProvider(Modules.PAYMENT, {
  services: [PaymentOptionsProviderService],
  loaders: [registerPaymentOptionsProvider],
})
