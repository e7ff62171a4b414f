// Original file: src/containerd/proto/images.proto


export interface ListImagesRequest {
  'filters'?: (string)[];
}

export interface ListImagesRequest__Output {
  'filters': (string)[];
}
