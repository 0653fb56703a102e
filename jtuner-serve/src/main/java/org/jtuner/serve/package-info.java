/**
 * {@code jtuner serve}: an OpenAI-compatible HTTP server (Chat Completions with image parts, server-sent-event
 * streaming, {@code /v1/models}) over one model, requests batched onto it by one worker, and a built-in web chat
 * page. HTTP is Javalin (Jetty) on virtual threads, JSON is Jackson.
 */
package org.jtuner.serve;
