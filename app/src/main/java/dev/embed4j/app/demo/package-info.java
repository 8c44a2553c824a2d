/** The demo: all-MiniLM-L6-v2 fine-tuned on two WordNet 3.1 tasks, evaluated before and after. */
package dev.embed4j.app.demo;
