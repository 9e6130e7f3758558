import type { Json } from './json';

/** `lr=0.0001 epochs=2`: how a sweep run's params are shown (in `kiln plan`, its progress lines and `KilnParams`). */
export function paramsText(params: { [name: string]: Json }): string {
  return Object.entries(params)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(' ');
}
