package io.zeroclaw.resilience.sample.agent;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableAsync;

/**
 * Runs {@code @Async} agent work on Spring Boot's task executor ({@code spring.task.execution.*}).
 */
@Configuration(proxyBeanMethods = false)
@EnableAsync
public class AgentAsyncConfiguration {

}
