/**
 * The backend-neutral tensor operations ({@link org.sightline.ops.Ops}) that every layer, loss, metric,
 * optimizer and constraint is written in once; each backend implements them.
 */
package org.sightline.ops;
