package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.target.EmptyTargetSource;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Moves a breaker's advice back next to the bean once every ordered post-processor has run. The
 * {@link CircuitBreakerBeanPostProcessor} puts it last, but post-processors of the same order that run after it
 * (Spring Boot's method validation, say) append their advice behind it, where the breaker would judge what they
 * answer: a {@code ConstraintViolationException} counted as a failure of the upstream, and valid calls refused once
 * enough invalid ones had opened the breaker. Not {@code Ordered}, so it runs after all of those.
 * <p>
 * A proxy without a target is left as it is: its last advice makes the call and never proceeds, so what comes after
 * it never runs, and the breaker stays where it was put, just before that advice.
 */
final class CircuitBreakerAdvicePositioner implements BeanPostProcessor {

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (!(bean instanceof Advised advised) || advised.isFrozen()
				|| advised.getTargetSource() instanceof EmptyTargetSource) {
			return bean;
		}
		Advisor[] advisors = advised.getAdvisors();
		for (int i = 0; i < advisors.length - 1; i++) {
			if (advisors[i].getAdvice() instanceof CircuitBreakerInterceptor) {
				advised.removeAdvisor(i);
				advised.addAdvisor(advisors[i]);
				break;
			}
		}
		return bean;
	}

}
