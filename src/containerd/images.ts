import { present, type Scope } from './scope.js';
import type { Image__Output } from './generated/containerd/services/images/v1/Image.js';
import type { Descriptor, ImageRecord } from './types.js';
import { isAlreadyExists, isNotFound } from './errors.js';

function imageRecord(i: Image__Output): ImageRecord {
  return { ...i, target: present(i.target, `the target of image ${i.name}`) };
}

export class Images {
  constructor(private readonly scope: Scope) {}

  async get(name: string): Promise<ImageRecord | undefined> {
    try {
      const res = await this.scope.call('images', 'Get', { name });
      return imageRecord(present(res.image, `image ${name}`));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(...filters: string[]): Promise<ImageRecord[]> {
    const res = await this.scope.call('images', 'List', { filters });
    return res.images.map(imageRecord);
  }

  /** Creates the image record, or points an existing one at the new target. */
  async put(name: string, target: Descriptor, labels: Record<string, string> = {}): Promise<void> {
    const image = { name, target, labels };
    try {
      await this.scope.call('images', 'Create', { image });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await this.scope.call('images', 'Update', { image, updateMask: { paths: ['target', 'labels'] } });
    }
  }

  async delete(name: string, sync = true): Promise<boolean> {
    try {
      await this.scope.call('images', 'Delete', { name, sync });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
