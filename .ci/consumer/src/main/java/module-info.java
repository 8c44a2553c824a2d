/** The consumer that .ci/consumer-check.sh builds: it reads embed4j through the model module's exports. */
module dev.embed4j.consumer {
  requires dev.embed4j.model;
}
