// A separate file, not inline: the production CSP allows scripts from 'self' only.
performance.mark('blank-loaded');
