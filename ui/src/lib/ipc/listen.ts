// Subscriptions to the app's events (the window's close request, files
// dropped on it) are made asynchronously, while a screen can be gone before
// the subscription is: one place says how such a subscription is ended.

/**
 * Subscribes with `subscribe` and returns the function that ends it, for a
 * component's `onMount`: a subscription that completes after the component
 * is gone is ended at once, and a failure to subscribe goes to `onError`.
 */
export function whileMounted(subscribe: () => Promise<() => void>, onError: (err: unknown) => void): () => void {
  let stop: (() => void) | null = null;
  let gone = false;
  subscribe()
    .then((unlisten) => {
      if (gone) unlisten();
      else stop = unlisten;
    })
    .catch(onError);
  return () => {
    gone = true;
    stop?.();
  };
}
