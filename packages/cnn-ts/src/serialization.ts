/**
 * The class registry (TF.js `tf.serialization`): layers and initialisers
 * are registered under their `static className`, so a model's JSON can
 * name them and `fromConfig` can rebuild them. Custom layers register with
 * `tf.serialization.registerClass(MyLayer)`.
 */

/** A JSON value in a config (TF.js `ConfigDictValue`). */
export type ConfigDictValue = boolean | number | string | null | ConfigDictArray | ConfigDict;
export interface ConfigDict {
  [key: string]: ConfigDictValue;
}
export interface ConfigDictArray extends Array<ConfigDictValue> {}

/** An object that can describe itself as `{className, config}` (TF.js `Serializable`). */
export abstract class Serializable {
  /** The registered class name (the constructor's `static className`). */
  getClassName(): string {
    return (this.constructor as unknown as { className: string }).className;
  }
  abstract getConfig(): ConfigDict | Record<string, unknown>;
  /** Builds an instance from a config; the default is `new cls(config)` (TF.js). */
  static fromConfig<T extends Serializable>(cls: SerializableConstructor<T>, config: ConfigDict): T {
    return new cls(config);
  }
}

/** A class that `registerClass` accepts (TF.js `SerializableConstructor`). */
export interface SerializableConstructor<T> {
  new (...args: any[]): T; // eslint-disable-line @typescript-eslint/no-explicit-any
  className: string;
  fromConfig: FromConfigMethod<T>;
}
export type FromConfigMethod<T> = (cls: SerializableConstructor<T>, config: ConfigDict) => T;

/** The registry (TF.js `SerializationMap`): className -> [class, fromConfig]. */
export class SerializationMap {
  private static instance: SerializationMap | undefined;
  readonly classNameMap: { [className: string]: [SerializableConstructor<Serializable>, FromConfigMethod<Serializable>] } = {};

  static getMap(): SerializationMap {
    SerializationMap.instance ??= new SerializationMap();
    return SerializationMap.instance;
  }

  /** Registers `cls` under `name` (default: its `className`). */
  static register<T extends Serializable>(cls: SerializableConstructor<T>, name?: string): void {
    const key = name ?? cls.className;
    SerializationMap.getMap().classNameMap[key] = [cls as unknown as SerializableConstructor<Serializable>, cls.fromConfig as unknown as FromConfigMethod<Serializable>];
  }
}

/**
 * Registers a class for (de)serialisation (TF.js `registerClass`). It needs
 * a non-empty `static className`; `pkg` and `name` give the Keras 3
 * registered name `pkg>name` (registered under both names).
 */
export function registerClass<T extends Serializable>(cls: SerializableConstructor<T>, pkg?: string, name?: string): SerializableConstructor<T> {
  if (typeof cls.className !== 'string' || cls.className.length === 0 || !Object.prototype.hasOwnProperty.call(cls, 'className')) {
    throw new Error(`registerClass: class ${cls.name || '(anonymous)'} must declare its own non-empty static className (static readonly className = '${cls.name || 'MyLayer'}')`);
  }
  if (typeof cls.fromConfig !== 'function') throw new Error(`registerClass: class ${cls.className} has no static fromConfig`);
  if (pkg !== undefined && pkg.includes('>')) throw new Error(`registerClass: the package name '${pkg}' must not contain '>'`);
  SerializationMap.register(cls);
  if (pkg !== undefined || name !== undefined) SerializationMap.register(cls, `${pkg ?? 'Custom'}>${name ?? cls.className}`);
  return cls;
}

/** The registered class for `className`, or undefined. */
export function getRegisteredClass(className: string): SerializableConstructor<Serializable> | undefined {
  return SerializationMap.getMap().classNameMap[className]?.[0];
}

/** The registered names, sorted (for error messages). */
export function registeredNames(): string[] {
  return Object.keys(SerializationMap.getMap().classNameMap).sort();
}

/**
 * Rebuilds a registered object from `{className, config}`; an unknown
 * class is an error that names it and says how to register it.
 */
export function deserializeObject<T extends Serializable>(c: { className: string; config: ConfigDict }, what = 'object', customObjects: Record<string, SerializableConstructor<Serializable>> = {}): T {
  const custom = customObjects[c.className];
  const entry = custom ? ([custom, custom.fromConfig] as const) : SerializationMap.getMap().classNameMap[c.className];
  if (!entry) {
    throw new Error(`Unknown ${what}: ${c.className}. This may be due to a custom class: define it with a static className and register it with tf.serialization.registerClass(${c.className}) before loading`);
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, c.config ?? {}) as T;
}
