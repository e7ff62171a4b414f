import type { Scope } from './scope.js';
import type { Descriptor, ImageRecord } from './types.js';
import { isAlreadyExists, isNotFound } from './errors.js';

export class Images {
  constructor(private readonly s: Scope) {}

  async get(name: string): Promise<ImageRecord | undefined> {
    try {
      const res = await this.s.call<{ image: ImageRecord }>('images', 'Get', { name });
      return res.image;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(...filters: string[]): Promise<ImageRecord[]> {
    const res = await this.s.call<{ images: ImageRecord[] }>('images', 'List', { filters });
    return res.images;
  }

  /** Creates the image record, or points an existing one at the new target. */
  async put(name: string, target: Descriptor, labels: Record<string, string> = {}): Promise<void> {
    const image = { name, target, labels };
    try {
      await this.s.call('images', 'Create', { image });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await this.s.call('images', 'Update', { image, updateMask: { paths: ['target', 'labels'] } });
    }
  }

  async delete(name: string, sync = true): Promise<boolean> {
    try {
      await this.s.call('images', 'Delete', { name, sync });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
