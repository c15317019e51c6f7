import { DefaultFailureConverter, type FailureConverter } from '@temporalio/common';

/**
 * Loaded by path (`DataConverter.failureConverterPath`) into the worker, the clients and the workflow bundle, when
 * encryption is on: failure messages and stack traces move into a payload (`encodedAttributes`), which the codecs
 * encrypt, and the failure's own message reads "Encoded failure". Every process decodes such failures, on or off.
 * Runs inside the workflow sandbox: no Node APIs here.
 */
export const failureConverter: FailureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
