// Original file: src/containerd/proto/images.proto


export interface DeleteImageRequest {
  'name'?: (string);
  'sync'?: (boolean);
}

export interface DeleteImageRequest__Output {
  'name': (string);
  'sync': (boolean);
}
