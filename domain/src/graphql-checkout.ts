import type { CheckoutInput } from './routes/checkout.ts';

/** GraphQL's `AddressInput`: REST's `shipping_address` fields, camelCase. */
export interface AddressInput {
  name: string;
  line1: string;
  city: string;
  postalCode: string;
  country: string;
}

/** The arguments of the `checkout` mutation, which the monolith and the checkout service both serve. */
export interface CheckoutArgs {
  cartId: string;
  paymentMethod: string;
  shippingAddress: AddressInput;
}

/** The `checkout` mutation's arguments as the same input REST's `POST /api/checkout` makes. */
export function checkoutInputFromGraphql(args: CheckoutArgs, userId: string): CheckoutInput {
  const { postalCode, ...address } = args.shippingAddress;
  return {
    user_id: userId,
    cart_id: args.cartId,
    payment_method: args.paymentMethod,
    shipping_address: { ...address, postal_code: postalCode },
  };
}
