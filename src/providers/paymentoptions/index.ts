import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import PaymentOptionsProviderService from "./service"

export default ModuleProvider(Modules.PAYMENT, {
  services: [PaymentOptionsProviderService],
})
