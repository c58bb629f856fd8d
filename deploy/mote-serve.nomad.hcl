# mote serve as a Nomad service job: one allocation per client node that has
# /dev/kvm, registered as a service with HTTP checks on /healthz and /readyz.
# The raw_exec driver runs the host's mote (install it and the guests under
# /opt/mote); with the docker driver, pass /dev/kvm with `devices`.
job "mote-serve" {
  datacenters = ["dc1"]
  type        = "service"

  group "serve" {
    count = 2

    # Only clients that have KVM (set meta.kvm = "true" in their config).
    constraint {
      attribute = "${meta.kvm}"
      value     = "true"
    }

    network {
      port "http" {}
    }

    service {
      name     = "mote-serve"
      port     = "http"
      provider = "nomad"

      check {
        name     = "alive"
        type     = "http"
        path     = "/healthz"
        interval = "10s"
        timeout  = "2s"
      }

      check {
        name     = "ready"
        type     = "http"
        path     = "/readyz"
        interval = "2s"
        timeout  = "1s"
      }
    }

    task "mote" {
      driver = "raw_exec"

      config {
        command = "/opt/mote/bin/mote"
        args = [
          "serve",
          "--function", "echo=/opt/mote/guests/echo.elf,pool=8",
          "--function", "cgi-status=/opt/mote/guests/cgi-status.elf,cgi=on",
          "--drain-timeout", "20s",
        ]
      }

      # mote serve listens on 0.0.0.0:$PORT.
      env {
        PORT = "${NOMAD_PORT_http}"
      }

      # SIGTERM starts the drain; Nomad waits this long before SIGKILL:
      # --drain-timeout plus a margin.
      kill_signal  = "SIGTERM"
      kill_timeout = "30s"
      # Deregister from the service catalog before the signal.
      shutdown_delay = "5s"

      resources {
        cpu    = 2000
        memory = 1024
      }
    }
  }
}
