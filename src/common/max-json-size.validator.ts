import { registerDecorator, ValidationOptions } from 'class-validator';

/** The value, serialized as JSON, fits in `maxBytes` bytes of UTF-8. */
export function MaxJsonSize(maxBytes: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'maxJsonSize',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [maxBytes],
      options: {
        message: `$property must be at most ${maxBytes} bytes when serialized as JSON`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') <= maxBytes,
      },
    });
}
